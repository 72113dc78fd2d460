// Package config reads the YAML file of `rtpstream serve --config FILE`
// (cli.md): server-wide settings that command-line flags override, and the
// declared paths of the stream hub — publisher paths (RTSP ANNOUNCE/RECORD,
// RFC 2326 §10.3 and §10.11) and pulled sources (rtsp:// relays, http://
// MJPEG streams and polled http:// JPEG snapshots) — and the settings of
// single media files (files: a frame rate and a loop setting each, as lab
// and raw MJPEG files carry no rate).
//
// Every key is documented, with an example value, in
// docs/rtpstream.example.yaml; a test keeps that file and the parser's key
// tables in step.
//
// Errors name the file, the line and the dotted key, e.g.
//
//	rtpstream.yaml:12: paths.cam1.close_afer: unknown key
//
// and never contain a credential: passwords, and user names, are left out of
// messages and of String() output, and a source URL's user information is
// moved into Path.SourceCreds so that Path.Source can be logged.
//
// Relative file names in the file (media, *_pass_file) are resolved against
// the directory of the config file, so it works from any working directory.
package config
