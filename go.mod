module github.com/rtpstream/rtpstream

go 1.26.0

require (
	fyne.io/fyne/v2 v2.7.1 // indirect
	github.com/bluenviron/gortsplib/v4 v4.12.3 // indirect
	github.com/bluenviron/mediacommon v1.14.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/pion/randutil v0.1.0 // indirect
	github.com/pion/rtcp v1.2.20 // indirect
	github.com/pion/rtp v1.10.6 // indirect
	github.com/pion/sdp/v3 v3.0.10 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
