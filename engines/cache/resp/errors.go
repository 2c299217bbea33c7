package resp

// ProtocolError is malformed input. Msg is worded as Redis words it
// ("Protocol error: invalid bulk length"); Error() adds the ERR code, so
// "-" + err.Error() is the reply Redis sends before closing the connection.
type ProtocolError struct {
	Msg string
}

func (e *ProtocolError) Error() string { return "ERR " + e.Msg }

func protocolError(msg string) error { return &ProtocolError{Msg: msg} }
