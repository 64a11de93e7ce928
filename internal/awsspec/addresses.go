package awsspec

import (
	"fmt"
	"net/netip"
)

// SpecialRange is an address block that is not part of the public internet.
type SpecialRange struct {
	Prefix netip.Prefix
	// Name says what the block is for.
	Name string
	// Documentation marks the blocks RFC 5737 and RFC 3849 reserve for examples: not routed, but
	// what example config (and this project's committed stack files) write.
	Documentation bool
}

func special(cidr, name string, documentation bool) SpecialRange {
	return SpecialRange{Prefix: netip.MustParsePrefix(cidr), Name: name, Documentation: documentation}
}

// SpecialIPv4 are the IPv4 blocks of IANA's special-purpose address registry (RFC 6890) that are
// not globally reachable, as Go's net/netip classifies them (IsPrivate, IsLoopback,
// IsLinkLocalUnicast, IsMulticast) plus the shared, benchmarking, documentation and reserved
// blocks: https://www.iana.org/assignments/iana-ipv4-special-registry/
var SpecialIPv4 = []SpecialRange{
	special("0.0.0.0/8", "\"this network\" (RFC 791)", false),
	special("10.0.0.0/8", "private (RFC 1918)", false),
	special("100.64.0.0/10", "shared carrier-grade NAT space (RFC 6598)", false),
	special("127.0.0.0/8", "loopback (RFC 1122)", false),
	special("169.254.0.0/16", "link-local (RFC 3927)", false),
	special("172.16.0.0/12", "private (RFC 1918)", false),
	special("192.0.0.0/24", "IETF protocol assignments (RFC 6890)", false),
	special("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)", true),
	special("192.168.0.0/16", "private (RFC 1918)", false),
	special("198.18.0.0/15", "benchmarking (RFC 2544)", false),
	special("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)", true),
	special("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)", true),
	special("224.0.0.0/4", "multicast (RFC 5771)", false),
	special("240.0.0.0/4", "reserved (RFC 1112), including the broadcast address", false),
}

// specialIPv6 are the IPv6 blocks inside global unicast space (2000::/3) that are not reachable.
var specialIPv6 = []SpecialRange{
	special("2001:db8::/32", "documentation (RFC 3849)", true),
}

// globalUnicastIPv6 is the IPv6 space the internet routes (RFC 4291); the rest is special.
var globalUnicastIPv6 = netip.MustParsePrefix("2000::/3")

// OpenToWorld says whether the prefixes together admit every address of the public internet, in
// IPv4 or in IPv6: "0.0.0.0/0", but also "0.0.0.0/1" + "128.0.0.0/1", or every public block with
// the private ranges left out. It judges coverage of the address space, never the spelling, and
// is the one test of "open to the world" for config validation and the plan's findings.
func OpenToWorld(prefixes []netip.Prefix) bool {
	var v4, v6 []netip.Prefix
	for _, p := range prefixes {
		p = p.Masked()
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return covers(netip.MustParsePrefix("0.0.0.0/0"), v4, SpecialIPv4) ||
		covers(globalUnicastIPv6, v6, specialIPv6)
}

// OpenToWorldCIDRs is OpenToWorld for CIDR strings; strings that do not parse admit nothing.
func OpenToWorldCIDRs(cidrs []string) bool {
	var prefixes []netip.Prefix
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil {
			prefixes = append(prefixes, p)
		}
	}
	return OpenToWorld(prefixes)
}

// covers says whether every address of target that is not in a special range is in one of the
// prefixes. It splits target in halves only where a prefix or a special range is more specific,
// so it takes at most (prefixes + specials) x address bits steps.
func covers(target netip.Prefix, prefixes []netip.Prefix, specials []SpecialRange) bool {
	overlaps := false
	for _, p := range prefixes {
		if p.Bits() <= target.Bits() && p.Contains(target.Addr()) {
			return true
		}
		overlaps = overlaps || target.Overlaps(p)
	}
	for _, s := range specials {
		if s.Prefix.Bits() <= target.Bits() && s.Prefix.Contains(target.Addr()) {
			return true
		}
		overlaps = overlaps || target.Overlaps(s.Prefix)
	}
	if !overlaps || target.Bits() == target.Addr().BitLen() {
		return false
	}
	low, high := halves(target)
	return covers(low, prefixes, specials) && covers(high, prefixes, specials)
}

// halves splits a prefix into its two prefixes one bit longer.
func halves(p netip.Prefix) (netip.Prefix, netip.Prefix) {
	bits := p.Bits() + 1
	low := netip.PrefixFrom(p.Addr(), bits)
	b := p.Addr().AsSlice()
	b[(bits-1)/8] |= 0x80 >> ((bits - 1) % 8)
	high, _ := netip.AddrFromSlice(b)
	return low, netip.PrefixFrom(high, bits)
}

// SpecialRangeOf returns the special range that holds all of p, if one does.
func SpecialRangeOf(p netip.Prefix) (SpecialRange, bool) {
	ranges := SpecialIPv4
	if p.Addr().Is6() {
		ranges = specialIPv6
	}
	for _, s := range ranges {
		if s.Prefix.Bits() <= p.Bits() && s.Prefix.Contains(p.Addr()) {
			return s, true
		}
	}
	return SpecialRange{}, false
}

// CheckPublicCIDR reports a CIDR that lies wholly in a range the public internet does not route
// (private, loopback, link-local, shared, multicast, reserved): a public endpoint never sees a
// source address from there. Documentation ranges pass, so that example files still plan.
func CheckPublicCIDR(key string, p netip.Prefix) error {
	if s, ok := SpecialRangeOf(p); ok && !s.Documentation {
		return fmt.Errorf("%s (%q) is inside %s, %s: the public endpoint only sees public source addresses, so it would admit no one; name the public addresses you connect from", key, p, s.Prefix, s.Name)
	}
	return nil
}

// unusableVPCRanges are blocks a VPC cannot use: EC2 refuses them or nothing in them can be
// routed (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
var unusableVPCRanges = []SpecialRange{
	special("0.0.0.0/8", "\"this network\" (RFC 791)", false),
	special("127.0.0.0/8", "loopback (RFC 1122)", false),
	special("169.254.0.0/16", "link-local (RFC 3927), where EC2 serves instance metadata and DNS", false),
	special("224.0.0.0/4", "multicast (RFC 5771)", false),
	special("240.0.0.0/4", "reserved (RFC 1112)", false),
}

// CheckVPCCIDR reports a VPC block that overlaps loopback, link-local, multicast or reserved
// space: instances there could not be addressed.
func CheckVPCCIDR(key string, p netip.Prefix) error {
	for _, s := range unusableVPCRanges {
		if s.Prefix.Overlaps(p) {
			return fmt.Errorf("%s (%q) overlaps %s, %s: use a private range such as \"10.0.0.0/16\" (RFC 1918)", key, p, s.Prefix, s.Name)
		}
	}
	return nil
}
