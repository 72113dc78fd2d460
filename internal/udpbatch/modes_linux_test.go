package udpbatch

// testModes lists every mode Linux offers, fastest first, each on a socket
// wrapped by New and on one opened by Listen (outside the netpoller).
var testModes = []testMode{
	{ModeGSO, Options{}, false},
	{ModeSendmmsg, Options{DisableGSO: true}, false},
	{ModeSingle, Options{DisableGSO: true, DisableMMsg: true}, false},
	{ModeGSO, Options{}, true},
	{ModeSendmmsg, Options{DisableGSO: true}, true},
	{ModeSingle, Options{DisableGSO: true, DisableMMsg: true}, true},
}
