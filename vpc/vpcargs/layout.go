package vpcargs

import (
	"encoding/binary"
	"net/netip"
)

// SubnetCIDRs derives the private and public subnet of the AZ at zoneIndex from the VPC block.
// Private subnets are laid out upwards from the bottom of the VPC and public ones downwards from
// the top, so adding an AZ takes fresh space and never moves another AZ's subnets. Callers check
// that the subnets fit (NetworkArgs.Validate).
func SubnetCIDRs(vpcCidr netip.Prefix, zoneIndex, privatePrefixLength, publicPrefixLength int) (private, public netip.Prefix) {
	base := binary.BigEndian.Uint32(vpcCidr.Addr().AsSlice())
	top := base + uint32(addresses(vpcCidr.Bits()))
	privateStart := base + uint32(zoneIndex*addresses(privatePrefixLength))
	publicStart := top - uint32((zoneIndex+1)*addresses(publicPrefixLength))
	return prefixAt(privateStart, privatePrefixLength), prefixAt(publicStart, publicPrefixLength)
}

func prefixAt(start uint32, bits int) netip.Prefix {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], start)
	return netip.PrefixFrom(netip.AddrFrom4(b), bits)
}
