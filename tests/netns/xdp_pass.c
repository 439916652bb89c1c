// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The link partner's side of an XDP_TX test on veth (lib.sh, veth_xdp_peer):
 * a program that passes every frame, so that veth kicks this end's NAPI for
 * the frames the other end's program sends back. Compiled at run time with
 * clang -target bpf, without headers: 2 is XDP_PASS.
 */
__attribute__((section("xdp"), used)) int xdp_pass(void *ctx)
{
	return 2; /* XDP_PASS */
}

char _license[] __attribute__((section("license"), used)) = "GPL";
