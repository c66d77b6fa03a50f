package importer

import (
	"encoding/json"
	"fmt"

	"gdpr"
	"gdpr/register"
)

// Merge combines the results of several files into one register, in file
// order. The same entry in two files is fine when both say the same; when
// they differ the merge fails naming both files, since which one is right
// is the user's call, not ours.
func Merge(results []*Result) (*register.Register, error) {
	out := &register.Register{}
	type origin struct {
		file string
		doc  string
	}
	seen := map[string]origin{}
	claim := func(kind, id, file string, v any) (bool, error) {
		b, _ := json.Marshal(v)
		key := kind + "/" + id
		if o, ok := seen[key]; ok {
			if o.doc == string(b) {
				return false, nil
			}
			return false, gdpr.Keyed(gdpr.EINVALID, "", "import.merge."+kind, id, o.file, file)
		}
		seen[key] = origin{file, string(b)}
		return true, nil
	}
	for _, res := range results {
		r := res.Register
		if r.Title != "" {
			if ok, err := claim("title", "", res.File, r.Title); err != nil {
				return nil, err
			} else if ok {
				out.Title = r.Title
			}
		}
		if r.Controller != nil {
			if ok, err := claim("controller", "", res.File, r.Controller); err != nil {
				return nil, err
			} else if ok {
				out.Controller = r.Controller
			}
		}
		for _, a := range r.Activities {
			if ok, err := claim("activity", a.ID, res.File, a); err != nil {
				return nil, err
			} else if ok {
				out.Activities = append(out.Activities, a)
			}
		}
		for _, m := range r.TOMs {
			if ok, err := claim("measure", m.ID, res.File, m); err != nil {
				return nil, err
			} else if ok {
				out.TOMs = append(out.TOMs, m)
			}
		}
		for _, d := range r.Documents {
			if ok, err := claim("document", d.ID, res.File, d); err != nil {
				return nil, err
			} else if ok {
				out.Documents = append(out.Documents, d)
			}
		}
		for _, x := range r.Systems {
			if ok, err := claim("system", x.ID, res.File, x); err != nil {
				return nil, err
			} else if ok {
				out.Systems = append(out.Systems, x)
			}
		}
	}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("merged register: %w", err)
	}
	return out, nil
}
