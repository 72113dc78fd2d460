package config

// credKeys are the keys of one set of credentials with the given prefix
// ("publish", "read" or "source"): a user name and exactly one of a
// password, a file holding it (first line) or an environment variable.
func credKeys(prefix string) []string {
	return []string{prefix + "_user", prefix + "_pass", prefix + "_pass_file", prefix + "_pass_env"}
}

// topKeys are the keys known at the top level, in the order the example
// file documents them. A key not listed is an error.
var topKeys = append(append(append([]string{"listen", "media", "fps", "publish"},
	credKeys("publish")...), credKeys("read")...), "paths", "files")

// pathKeys are the keys known in a path's mapping.
var pathKeys = append(append(append(append([]string{
	"source", "source_transport"}, credKeys("source")...),
	"snapshot_interval", "on_demand", "close_after", "publish"), credKeys("publish")...),
	append(append([]string{"replace", "wait_for_publisher"}, credKeys("read")...), recordKeys...)...)

// pulledOnly are path keys that only make sense with a pulled source.
var pulledOnly = append([]string{"on_demand", "close_after"}, credKeys("source")...)

// publisherOnly are path keys that only make sense with source: publisher.
var publisherOnly = append([]string{"publish", "replace", "wait_for_publisher"}, credKeys("publish")...)
