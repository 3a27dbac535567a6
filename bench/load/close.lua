-- GET of the URL's own path on a connection closed after each answer: every request opens a
-- new connection (over TLS, a full handshake). Adds only the RESULT line.
wrk.headers["Connection"] = "close"
dofile("report.lua")
