"""The officials' desks: server-rendered pages behind a session (`tuoyu.desk.web`, `tuoyu.desk.sessions`)."""
