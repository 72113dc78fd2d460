package jpeghdr

import "testing"

// TestStdTablesAreCopies: changing a table a Std function returned does not
// change the package's own (which every rebuilt header and check uses).
func TestStdTablesAreCopies(t *testing.T) {
	for _, tc := range []struct {
		name string
		get  func() *HuffmanTable
	}{
		{"DC luminance", StdDCLuminance},
		{"DC chrominance", StdDCChrominance},
		{"AC luminance", StdACLuminance},
		{"AC chrominance", StdACChrominance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.get()
			want := tc.get()
			a.Counts[0]++
			a.Values[0]++
			if got := tc.get(); !got.Equal(want) || got.Equal(a) {
				t.Errorf("a change to a returned table reached the package's table")
			}
		})
	}
}
