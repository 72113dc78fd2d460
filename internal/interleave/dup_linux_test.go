package interleave

// hasDup tells whether c holds a duplicate descriptor for a Batch.
func hasDup(c *Conn) bool { return c.dw != nil && c.dw.dup >= 0 }
