//go:build !linux

package blob

import "errors"

// renameNoReplace is not available here; Adopt takes its portable path.
func renameNoReplace(oldpath, newpath string) error { return errors.ErrUnsupported }
