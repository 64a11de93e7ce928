package awsspec

import (
	"net/netip"
	"testing"
)

func TestOpenToWorld(t *testing.T) {
	for _, tc := range []struct {
		cidrs []string
		open  bool
	}{
		{[]string{"0.0.0.0/0"}, true},
		{[]string{"0.0.0.0/1", "128.0.0.0/1"}, true},
		{[]string{"128.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2"}, true},
		// every public block, with 10.0.0.0/8 left out: still the whole internet
		{[]string{"0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1"}, true},
		{[]string{"0.0.0.0/1"}, false},
		{[]string{"0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"}, true}, // the rest, 224.0.0.0/3, is multicast and reserved
		{[]string{"0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/4"}, false},
		{[]string{"0.0.0.0/1", "128.0.0.0/2"}, false},
		{[]string{"198.51.100.0/24", "203.0.113.7/32"}, false},
		{[]string{"::/0"}, true},
		{[]string{"2000::/3"}, true},
		{[]string{"2000::/4", "3000::/4"}, true},
		{[]string{"2000::/4"}, false},
		{nil, false},
	} {
		if got := OpenToWorldCIDRs(tc.cidrs); got != tc.open {
			t.Errorf("%v: open %v, want %v", tc.cidrs, got, tc.open)
		}
	}
}

func TestCheckPublicAndVPCCIDR(t *testing.T) {
	for cidr, public := range map[string]bool{"10.1.0.0/16": false, "192.168.1.0/24": false, "100.64.0.0/16": false,
		"127.0.0.1/32": false, "198.51.100.0/24": true, "8.8.8.0/24": true, "10.0.0.0/7": true} {
		if got := CheckPublicCIDR("k", netip.MustParsePrefix(cidr)) == nil; got != public {
			t.Errorf("public %s: %v, want %v", cidr, got, public)
		}
	}
	for cidr, usable := range map[string]bool{"10.0.0.0/16": true, "127.0.0.0/16": false, "169.254.0.0/16": false, "224.1.0.0/16": false, "240.0.0.0/16": false, "0.0.0.0/16": false, "100.64.0.0/16": true} {
		if got := CheckVPCCIDR("k", netip.MustParsePrefix(cidr)) == nil; got != usable {
			t.Errorf("VPC %s: %v, want %v", cidr, got, usable)
		}
	}
}
