package web

import (
	"net/http"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// The user's notifications (cpaudit.Notification): the page listing them,
// newest first, and the form that marks them read. The navigation's count
// of unread ones is filled in by render.

// notificationRow is a notification in the page's words.
type notificationRow struct {
	cpaudit.Notification
	EventLabel, CategoryLabel string
}

func (s *Handler) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	T := translator(webOf(r).Lang)
	list, total, unread, err := s.store.Notifications(r.Context(), httpx.ActorOf(r), 200, 0)
	if err != nil {
		return err
	}
	rows := make([]notificationRow, len(list))
	for i, n := range list {
		rows[i] = notificationRow{Notification: n, EventLabel: T("notify." + string(n.Event)), CategoryLabel: T("finding.category." + string(n.Category))}
	}
	return s.render(w, r, http.StatusOK, "notifications", map[string]any{"Rows": rows, "Total": total, "UnreadN": unread})
}

// notificationsReadSubmit marks the notifications named (id, repeated)
// read, or every one of the user's when none is named.
func (s *Handler) notificationsReadSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.MarkNotificationsRead(r.Context(), httpx.ActorOf(r), r.PostForm["id"]); err != nil {
		return err
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	return nil
}
