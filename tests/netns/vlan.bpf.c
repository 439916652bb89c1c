// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The kernel's 802.1Q device in two tc programs, for test_features.sh on
 * kernels built without VLAN_8021Q: on the link's ingress, after XDP has
 * seen the tagged frame, the tag of VLAN_ID is popped so the frame reaches
 * the addresses on the link itself (as it would reach those of the
 * eth0.VLAN_ID device); on egress, every frame the stack sends is tagged
 * with VLAN_ID. XDP_TX frames bypass tc, so the tag on an XDP answer is
 * the one the XDP program kept. Both return TC_ACT_OK (direct action).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef VLAN_ID
#define VLAN_ID 100
#endif
#define VLAN_VID_MASK 0x0fff

SEC("tc/ingress")
int vlan_pop(struct __sk_buff *skb)
{
	/* The stack has already moved the tag out of the frame. */
	if (skb->vlan_present && (skb->vlan_tci & VLAN_VID_MASK) == VLAN_ID)
		bpf_skb_vlan_pop(skb);
	return TC_ACT_OK;
}

SEC("tc/egress")
int vlan_push(struct __sk_buff *skb)
{
	if (!skb->vlan_present)
		bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), VLAN_ID);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
