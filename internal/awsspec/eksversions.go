package awsspec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The EKS Kubernetes version calendar: when each version leaves standard support (the control
// plane then costs the extended support price, six times the standard one) and when it leaves
// extended support (EKS then upgrades the cluster itself). One table, read by the cluster's
// config check and by the offline plan's cost estimate.
const (
	EKSCalendarSource = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html"
	EKSCalendarAsOf   = "2026-11-24"
)

// SupportWindow is when a Kubernetes version leaves EKS standard and extended support (both
// YYYY-MM-DD, the last day of each).
type SupportWindow struct {
	StandardUntil string
	ExtendedUntil string
}

// EKSVersions are the versions EKS offers, read from EKSCalendarSource on EKSCalendarAsOf.
var EKSVersions = map[string]SupportWindow{
	"1.32": {StandardUntil: "2026-03-23", ExtendedUntil: "2027-03-23"},
	"1.33": {StandardUntil: "2026-07-29", ExtendedUntil: "2027-07-29"},
	"1.34": {StandardUntil: "2026-12-02", ExtendedUntil: "2027-12-02"},
	"1.35": {StandardUntil: "2027-03-27", ExtendedUntil: "2028-03-27"},
}

// Support is where a version stands on a date.
type Support string

// The support states of a Kubernetes version on EKS.
const (
	SupportUnknown  Support = "unknown"
	SupportStandard Support = "standard"
	SupportExtended Support = "extended"
	SupportEnded    Support = "ended"
)

// EKSSupportOn says where version stands on date (YYYY-MM-DD).
func EKSSupportOn(version, date string) (Support, SupportWindow) {
	w, ok := EKSVersions[version]
	switch {
	case !ok:
		return SupportUnknown, SupportWindow{}
	case date <= w.StandardUntil:
		return SupportStandard, w
	case date <= w.ExtendedUntil:
		return SupportExtended, w
	default:
		return SupportEnded, w
	}
}

// CheckDate reports a value that is not a date YYYY-MM-DD.
func CheckDate(what, date string) error {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return fmt.Errorf("%s (%q) must be a date YYYY-MM-DD", what, date)
	}
	return nil
}

// CheckEKSVersion reports a version EKS does not offer on date, or no longer supports at all,
// under the config key; a version in extended support passes (its price is the plan's concern).
func CheckEKSVersion(key, version, date string) error {
	status, w := EKSSupportOn(version, date)
	switch status {
	case SupportUnknown:
		return fmt.Errorf("%s (%q) is not in the EKS version calendar (%s): use one of %s, and add a newer version to awsspec.EKSVersions with its dates from %s",
			key, version, EKSCalendarAsOf, strings.Join(slices.Sorted(maps.Keys(EKSVersions)), ", "), EKSCalendarSource)
	case SupportEnded:
		return fmt.Errorf("%s (%q) left EKS extended support on %s (standard support ended %s): EKS upgrades such clusters itself; use a version in standard support on %s: %s",
			key, version, w.ExtendedUntil, w.StandardUntil, date, standardChoices(date))
	}
	return nil
}

func standardChoices(date string) string {
	if v := VersionsInStandardSupport(date); len(v) > 0 {
		return strings.Join(v, ", ")
	}
	return fmt.Sprintf("none in the calendar of %s; add the newer versions from %s", EKSCalendarAsOf, EKSCalendarSource)
}

// VersionsInStandardSupport are the calendar's versions in standard support on date, oldest first.
func VersionsInStandardSupport(date string) []string {
	var out []string
	for _, v := range slices.Sorted(maps.Keys(EKSVersions)) {
		if s, _ := EKSSupportOn(v, date); s == SupportStandard {
			out = append(out, v)
		}
	}
	return out
}
