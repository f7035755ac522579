package handlers

// messages holds the UI's words: Simplified Chinese first, English second.
// A key missing from a language falls back to Chinese, then to the key, so
// a forgotten translation shows up plainly in tests rather than as blank.
var messages = map[string]map[string]string{
	"zh": {
		"app.name":          "清洁生产审核管理系统",
		"nav.documents":     "文档",
		"nav.upload":        "上传",
		"nav.logout":        "退出登录",
		"lang.switch":       "English",
		"login.title":       "登录",
		"login.tenant":      "平台（租户）",
		"login.email":       "电子邮箱",
		"login.password":    "密码",
		"login.submit":      "登录",
		"login.wrong":       "邮箱或密码错误。",
		"login.expired":     "表单已过期，请重新提交。",
		"login.ratelimited": "登录失败次数过多，请15分钟后再试。",
		"error.title":       "出错了",
		"error.back":        "返回首页",
	},
	"en": {
		"app.name":          "Cleaner Production Audit System",
		"nav.documents":     "Documents",
		"nav.upload":        "Upload",
		"nav.logout":        "Log out",
		"lang.switch":       "中文",
		"login.title":       "Log in",
		"login.tenant":      "Tenant",
		"login.email":       "E-mail",
		"login.password":    "Password",
		"login.submit":      "Log in",
		"login.wrong":       "Wrong e-mail or password.",
		"login.expired":     "The form expired; please submit it again.",
		"login.ratelimited": "Too many failed logins; try again in 15 minutes.",
		"error.title":       "Something went wrong",
		"error.back":        "Back to the start page",
	},
}

// translator returns the lookup function pages call as {{call $.T "key"}}.
func translator(lang string) func(key string) string {
	return func(key string) string {
		if m, ok := messages[lang][key]; ok {
			return m
		}
		if m, ok := messages["zh"][key]; ok {
			return m
		}
		return key
	}
}
