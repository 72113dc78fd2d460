//go:build !unix

package fdlimit

func soft() (uint64, bool) { return 0, false }
