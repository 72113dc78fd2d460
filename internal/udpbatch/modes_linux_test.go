package udpbatch

// testModes lists every mode Linux offers, fastest first.
var testModes = []testMode{
	{ModeGSO, Options{}},
	{ModeSendmmsg, Options{DisableGSO: true}},
	{ModeSingle, Options{DisableGSO: true, DisableMMsg: true}},
}
