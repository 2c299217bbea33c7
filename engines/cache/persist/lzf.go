package persist

import "errors"

// lzfDecompress expands LZF data (liblzf's format, which Redis uses for
// strings in RDB files when rdbcompression is on) into exactly outLen
// bytes. Each chunk starts with a control byte: below 32 it announces a
// literal run of ctrl+1 bytes; otherwise its top three bits are a match
// length minus 2 (7 means a length byte follows) and its low five bits,
// with the next byte, the distance back minus 1.
func lzfDecompress(in []byte, outLen int) ([]byte, error) {
	out := make([]byte, 0, outLen)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 {
			run := ctrl + 1
			if i+run > len(in) {
				return nil, errors.New("LZF literal run past the end of the input")
			}
			if len(out)+run > outLen {
				return nil, errors.New("LZF data longer than its declared length")
			}
			out = append(out, in[i:i+run]...)
			i += run
			continue
		}
		length := ctrl >> 5
		if length == 7 {
			if i >= len(in) {
				return nil, errors.New("LZF match length past the end of the input")
			}
			length += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, errors.New("LZF match distance past the end of the input")
		}
		ref := len(out) - (ctrl&0x1f)<<8 - int(in[i]) - 1
		i++
		length += 2
		if ref < 0 {
			return nil, errors.New("LZF back reference before the start of the output")
		}
		if len(out)+length > outLen {
			return nil, errors.New("LZF data longer than its declared length")
		}
		for k := range length { // byte by byte: a match may overlap its own output
			out = append(out, out[ref+k])
		}
	}
	if len(out) != outLen {
		return nil, errors.New("LZF data shorter than its declared length")
	}
	return out, nil
}
