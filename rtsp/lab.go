package rtsp

import "strconv"

// LabTransport returns the Transport value the lab server expects on the
// third line of a SETUP, byte for byte: "RTP/UDP; client_port= N" (the lab
// server takes the port as the fourth space-separated word of that line).
func LabTransport(clientPort int) string {
	return "RTP/UDP; client_port= " + strconv.Itoa(clientPort)
}
