// Package letter owns the one-time notification letter (一次性告知书): the
// default Word template, the checks a tenant's own template must pass, and
// filling a template with one audit's facts; and, with the same machinery,
// the review opinion (技术审查意见 / 验收意见) and its tenant template
// (opinion.go, opinion_service.go).
//
// A template is a .docx whose text holds placeholders such as {{企业名称}}.
// A table row holding an obligation placeholder ({{义务事项}}, {{截止日期}})
// is repeated once per obligation, and one holding a material placeholder
// ({{步骤}}, {{应交材料}}) once per step. Word splits text into runs as a
// user edits, so placeholders are found in a paragraph's whole text, not
// in one run. The package imports only the root package and the standard
// library; handlers reads the facts from storage and stores the result.
package letter
