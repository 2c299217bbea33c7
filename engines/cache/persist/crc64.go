package persist

import "hash/crc64"

// RDB files end with a CRC-64 of everything before it: the "Jones"
// polynomial (0xad93d23594c935a9), bits reflected, initial value 0 and no
// final xor — the variant Redis's crc64.c computes, whose check value,
// crc64("123456789"), is 0xe9c6d914c4b8d9ca. Go's hash/crc64 uses the same
// reflected table algorithm but inverts the value on entry and exit, so
// crc64Update undoes both inversions.

// jonesReflected is the Jones polynomial with its bits reversed, the form
// crc64.MakeTable takes.
const jonesReflected = 0x95ac9329ac4bc9b5

var jonesTable = crc64.MakeTable(jonesReflected)

// crc64Update extends crc (0 for a fresh checksum) with p.
func crc64Update(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, jonesTable, p)
}
