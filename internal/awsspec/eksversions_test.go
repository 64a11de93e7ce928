package awsspec

import (
	"strings"
	"testing"
	"time"
)

func TestEKSCalendarIsWellFormed(t *testing.T) {
	for version, w := range EKSVersions {
		standard, err1 := time.Parse(time.DateOnly, w.StandardUntil)
		extended, err2 := time.Parse(time.DateOnly, w.ExtendedUntil)
		if err1 != nil || err2 != nil || !standard.Before(extended) {
			t.Errorf("%s: standard until %q, extended until %q", version, w.StandardUntil, w.ExtendedUntil)
		}
		// EKS gives 12 months of extended support after standard support.
		if !standard.AddDate(1, 0, 0).Equal(extended) {
			t.Errorf("%s: extended support ends %s, not a year after standard support (%s)", version, w.ExtendedUntil, w.StandardUntil)
		}
	}
	if err := CheckDate("as of", EKSCalendarAsOf); err != nil {
		t.Error(err)
	}
}

func TestEKSSupportOn(t *testing.T) {
	for _, tc := range []struct {
		version, date string
		want          Support
	}{
		{"1.33", "2026-07-29", SupportStandard}, // the last day of standard support
		{"1.33", "2026-07-30", SupportExtended},
		{"1.34", "2026-12-02", SupportStandard},
		{"1.34", "2026-12-03", SupportExtended},
		{"1.35", "2027-03-27", SupportStandard},
		{"1.32", "2027-03-23", SupportExtended},
		{"1.32", "2027-03-24", SupportEnded},
		{"1.31", "2026-01-01", SupportUnknown},
		{"1.36", "2026-01-01", SupportUnknown},
	} {
		if got, _ := EKSSupportOn(tc.version, tc.date); got != tc.want {
			t.Errorf("%s on %s: %s, want %s", tc.version, tc.date, got, tc.want)
		}
	}
}

func TestCheckEKSVersion(t *testing.T) {
	if err := CheckEKSVersion("cluster.version", "1.33", "2026-11-24"); err != nil {
		t.Errorf("extended support is accepted (the plan prices it): %v", err)
	}
	err := CheckEKSVersion("cluster.version", "1.32", "2027-03-24")
	for _, want := range []string{`cluster.version ("1.32") left EKS extended support on 2027-03-23 (standard support ended 2026-03-23)`, "on 2027-03-24: 1.35"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	err = CheckEKSVersion("cluster.version", "1.35", "2028-03-28")
	if err == nil || !strings.Contains(err.Error(), "none in the calendar of "+EKSCalendarAsOf) {
		t.Errorf("past the whole calendar: %v", err)
	}
}
