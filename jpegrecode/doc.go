// Package jpegrecode re-codes the entropy-coded data of a baseline JPEG with
// the standard Huffman tables of ISO 10918-1 Annex K.3, losslessly.
//
// RFC 2435 (RTP payload format for JPEG) does not carry Huffman tables: a
// receiver rebuilds every JPEG header with the Annex K.3 tables (RFC 2435
// Appendix B). A JPEG whose DHT segments hold "optimized" tables (ffmpeg's
// default, many IP cameras) therefore decodes as garbage after the trip
// unless its scan is re-coded. [Recode] does that without touching the
// quantized coefficients: it decodes each Huffman symbol with the image's own
// tables and writes the same symbol, followed by the same extra bits, with
// the standard code (the re-coding jpegtran does). The decoded pixels are
// exactly those of the original image.
//
// Recode handles sequential Huffman DCT images (SOF0, or SOF1 with 8-bit
// samples) with a single scan holding every component, which covers every
// frame type RFC 2435 carries (4:2:0 and 4:2:2 YCbCr, with or without
// restart markers). Everything else is reported with a sentinel error.
package jpegrecode
