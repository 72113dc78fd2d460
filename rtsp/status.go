package rtsp

// Status codes of RFC 2326 §7.1.1 (and §11).
const (
	StatusContinue = 100

	StatusOK                = 200
	StatusCreated           = 201
	StatusLowOnStorageSpace = 250
	StatusMultipleChoices   = 300
	StatusMovedPermanently  = 301
	StatusMovedTemporarily  = 302
	StatusSeeOther          = 303
	StatusNotModified       = 304
	StatusUseProxy          = 305
	StatusBadRequest        = 400
	StatusUnauthorized      = 401
	StatusPaymentRequired   = 402
	StatusForbidden         = 403
	StatusNotFound          = 404
	StatusMethodNotAllowed  = 405
	StatusNotAcceptable     = 406
	StatusProxyAuthRequired = 407
	StatusRequestTimeout    = 408
	// StatusConflict is HTTP/1.1's 409, which RFC 2326 §7.1.1 inherits
	// without listing: the server answers it to a publisher whose path
	// already has one.
	StatusConflict              = 409
	StatusGone                  = 410
	StatusLengthRequired        = 411
	StatusPreconditionFailed    = 412
	StatusRequestEntityTooLarge = 413
	StatusRequestURITooLarge    = 414
	StatusUnsupportedMediaType  = 415

	StatusParameterNotUnderstood         = 451
	StatusConferenceNotFound             = 452
	StatusNotEnoughBandwidth             = 453
	StatusSessionNotFound                = 454
	StatusMethodNotValidInThisState      = 455
	StatusHeaderFieldNotValidForResource = 456
	StatusInvalidRange                   = 457
	StatusParameterIsReadOnly            = 458
	StatusAggregateOperationNotAllowed   = 459
	StatusOnlyAggregateOperationAllowed  = 460
	StatusUnsupportedTransport           = 461
	StatusDestinationUnreachable         = 462

	StatusInternalServerError     = 500
	StatusNotImplemented          = 501
	StatusBadGateway              = 502
	StatusServiceUnavailable      = 503
	StatusGatewayTimeout          = 504
	StatusRTSPVersionNotSupported = 505
	StatusOptionNotSupported      = 551
)

var statusText = map[int]string{
	StatusContinue: "Continue",

	StatusOK:                "OK",
	StatusCreated:           "Created",
	StatusLowOnStorageSpace: "Low on Storage Space",

	StatusMultipleChoices:  "Multiple Choices",
	StatusMovedPermanently: "Moved Permanently",
	StatusMovedTemporarily: "Moved Temporarily",
	StatusSeeOther:         "See Other",
	StatusNotModified:      "Not Modified",
	StatusUseProxy:         "Use Proxy",

	StatusBadRequest:            "Bad Request",
	StatusUnauthorized:          "Unauthorized",
	StatusPaymentRequired:       "Payment Required",
	StatusForbidden:             "Forbidden",
	StatusNotFound:              "Not Found",
	StatusMethodNotAllowed:      "Method Not Allowed",
	StatusNotAcceptable:         "Not Acceptable",
	StatusProxyAuthRequired:     "Proxy Authentication Required",
	StatusRequestTimeout:        "Request Time-out",
	StatusConflict:              "Conflict",
	StatusGone:                  "Gone",
	StatusLengthRequired:        "Length Required",
	StatusPreconditionFailed:    "Precondition Failed",
	StatusRequestEntityTooLarge: "Request Entity Too Large",
	StatusRequestURITooLarge:    "Request-URI Too Large",
	StatusUnsupportedMediaType:  "Unsupported Media Type",

	StatusParameterNotUnderstood:         "Parameter Not Understood",
	StatusConferenceNotFound:             "Conference Not Found",
	StatusNotEnoughBandwidth:             "Not Enough Bandwidth",
	StatusSessionNotFound:                "Session Not Found",
	StatusMethodNotValidInThisState:      "Method Not Valid in This State",
	StatusHeaderFieldNotValidForResource: "Header Field Not Valid for Resource",
	StatusInvalidRange:                   "Invalid Range",
	StatusParameterIsReadOnly:            "Parameter Is Read-Only",
	StatusAggregateOperationNotAllowed:   "Aggregate operation not allowed",
	StatusOnlyAggregateOperationAllowed:  "Only aggregate operation allowed",
	StatusUnsupportedTransport:           "Unsupported transport",
	StatusDestinationUnreachable:         "Destination unreachable",

	StatusInternalServerError:     "Internal Server Error",
	StatusNotImplemented:          "Not Implemented",
	StatusBadGateway:              "Bad Gateway",
	StatusServiceUnavailable:      "Service Unavailable",
	StatusGatewayTimeout:          "Gateway Time-out",
	StatusRTSPVersionNotSupported: "RTSP Version not supported",
	StatusOptionNotSupported:      "Option not supported",
}

// StatusText returns the reason phrase of RFC 2326 §7.1.1 for code, or ""
// if the code is unknown.
func StatusText(code int) string {
	return statusText[code]
}
