package awsspec

import "testing"

func TestArchitecture(t *testing.T) {
	for typ, want := range map[string]string{
		"t3.micro": X86_64, "t3a.small": X86_64, "m7i.large": X86_64, "g5.xlarge": X86_64,
		"t4g.micro": ARM64, "c6gn.large": ARM64, "m7gd.large": ARM64, "r8g.large": ARM64,
	} {
		if got := Architecture(typ); got != want {
			t.Errorf("%s: got %s, want %s", typ, got, want)
		}
	}
}

func TestChecks(t *testing.T) {
	if CheckLogRetention("k", 30) != nil || CheckLogRetention("k", 10) == nil || CheckLogRetention("k", 0) == nil {
		t.Error("log retention check")
	}
	if CheckInstanceType("k", "t3.medium") != nil || CheckInstanceType("k", "t3medium") == nil || CheckInstanceType("k", "T3.medium") == nil {
		t.Error("instance type check")
	}
}

func TestSizeOf(t *testing.T) {
	for typ, want := range map[string]InstanceSize{
		"t3.medium":  {2, 4096},
		"t3a.medium": {2, 4096},
		"t4g.medium": {2, 4096},
		"t3.large":   {2, 8192}, // a burstable large has 2 vCPUs, not the 4 of an m5.xlarge
		"m5.large":   {2, 8192},
		"c6g.xlarge": {4, 8192},
		"r5.large":   {2, 16384},
	} {
		if got, ok := SizeOf(typ); !ok || got != want {
			t.Errorf("SizeOf(%s) = %v, %v; want %v", typ, got, ok, want)
		}
	}
	for _, typ := range []string{"m6g.medium", "x2iedn.large", "t3", "m5.medium"} {
		if _, ok := SizeOf(typ); ok {
			t.Errorf("SizeOf(%s) claims a size the table does not hold", typ)
		}
	}
}

func TestFreePrefixes(t *testing.T) {
	for bits, want := range map[int]int{28: 0, 27: 0, 26: 2, 24: 14, 20: 254} {
		if got := FreePrefixes(bits); got != want {
			t.Errorf("FreePrefixes(%d) = %d, want %d", bits, got, want)
		}
	}
}

func TestSubnetPodAddresses(t *testing.T) {
	for _, tc := range []struct {
		lengths []int
		enis    int
		pd      bool
		want    int
	}{
		{[]int{20, 20}, 6, true, 2*(256-2)*16 - 6*16},
		{[]int{28, 28}, 6, true, 0},
		{[]int{26}, 1, true, (4-2)*16 - 16},
		{[]int{28}, 2, false, 16 - 5 - 2},
		{[]int{24}, 3, false, 256 - 5 - 3},
	} {
		if got := SubnetPodAddresses(tc.lengths, tc.enis, tc.pd); got != tc.want {
			t.Errorf("%v, %d ENIs, prefix delegation %v: %d, want %d", tc.lengths, tc.enis, tc.pd, got, tc.want)
		}
	}
}
