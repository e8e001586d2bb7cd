package slo

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// readSpec reads a spec file of at most maxFileBytes. The size is checked
// before reading, and again while reading: the file may grow in between,
// and a device or FIFO given as a path has no size to check.
func readSpec(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if info.Size() > maxFileBytes {
		return nil, errors.New(tooLarge(fmt.Sprintf("is %d bytes", info.Size())))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if len(data) > maxFileBytes {
		return nil, errors.New(tooLarge(fmt.Sprintf("has more than %d bytes (it grew while being read, or is no regular file)", maxFileBytes)))
	}
	return data, nil
}

// tooLarge is the problem of a file over maxFileBytes; size says how
// large it is.
func tooLarge(size string) string {
	return fmt.Sprintf("file %s; a spec file may be at most %d bytes (1 MiB), so it was not read; split or trim it", size, maxFileBytes)
}
