package imapd

// handler runs one command in the states it is allowed in.
type handler struct {
	states state // bit set of allowed states
	uid    bool  // may be prefixed with UID
	run    func(s *session, c *command) status
}

const (
	anyState      = stateNotAuthenticated | stateAuthenticated | stateSelected
	authenticated = stateAuthenticated | stateSelected
)

// handlers are the commands the server knows, by name.
var handlers = map[string]handler{
	"CAPABILITY":   {states: anyState, run: (*session).cmdCapability},
	"NOOP":         {states: anyState, run: (*session).cmdNoop},
	"LOGOUT":       {states: anyState, run: (*session).cmdLogout},
	"STARTTLS":     {states: stateNotAuthenticated, run: (*session).cmdStartTLS},
	"LOGIN":        {states: stateNotAuthenticated, run: (*session).cmdLogin},
	"AUTHENTICATE": {states: stateNotAuthenticated, run: (*session).cmdAuthenticate},
	"SELECT":       {states: authenticated, run: (*session).cmdSelect},
	"EXAMINE":      {states: authenticated, run: (*session).cmdSelect},
	"CREATE":       {states: authenticated, run: (*session).cmdCreate},
	"DELETE":       {states: authenticated, run: (*session).cmdDelete},
	"RENAME":       {states: authenticated, run: (*session).cmdRename},
	"LIST":         {states: authenticated, run: (*session).cmdList},
	"LSUB":         {states: authenticated, run: (*session).cmdList},
	"STATUS":       {states: authenticated, run: (*session).cmdStatus},
	"APPEND":       {states: authenticated, run: (*session).cmdAppend},
	"NAMESPACE":    {states: authenticated, run: (*session).cmdNamespace},
	"SUBSCRIBE":    {states: authenticated, run: (*session).cmdSubscribe},
	"UNSUBSCRIBE":  {states: authenticated, run: (*session).cmdSubscribe},
	"IDLE":         {states: authenticated, run: (*session).cmdIdle},
	"CHECK":        {states: stateSelected, run: (*session).cmdNoop},
	"CLOSE":        {states: stateSelected, run: (*session).cmdClose},
	"UNSELECT":     {states: stateSelected, run: (*session).cmdClose},
	"EXPUNGE":      {states: stateSelected, run: (*session).cmdExpunge},
	"SEARCH":       {states: stateSelected, uid: true, run: (*session).cmdSearch},
	"FETCH":        {states: stateSelected, uid: true, run: (*session).cmdFetch},
	"STORE":        {states: stateSelected, uid: true, run: (*session).cmdStore},
	"COPY":         {states: stateSelected, uid: true, run: (*session).cmdCopy},
}

// dispatch runs c if the session's state allows it.
func (s *session) dispatch(c *command) status {
	h, found := handlers[c.name]
	if !found || c.uid && !h.uid {
		return respBAD("Unrecognized command")
	}
	if s.state&h.states == 0 {
		switch {
		case s.state == stateNotAuthenticated:
			return respBAD("Please login first")
		case h.states == stateSelected:
			return respBAD("Please select a mailbox first")
		default:
			return respBAD("Already authenticated")
		}
	}
	return h.run(s, c)
}
