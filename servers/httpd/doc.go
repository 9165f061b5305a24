// Package httpd is testbed's built-in HTTP and HTTPS server, the kind of test
// virtual host an integration test points an HTTP client at. One [Server]
// serves plain listeners ([Server.Serve]) and TLS listeners
// ([Server.ServeTLS], HTTP/2 negotiated through ALPN) with the same handler.
// Plain listeners also take HTTP/2 with prior knowledge (h2c).
//
// # Endpoints
//
//	GET  /                   an HTML index of these endpoints
//	GET  /files/...          a fixed in-memory tree (see below); Range,
//	                         If-Modified-Since, If-None-Match, HEAD; directories
//	                         are listed as HTML
//	GET  /bytes/{n}          n bytes of the pattern below, streamed, with
//	                         Content-Length, an ETag and Range support
//	ANY  /echo               the request as JSON: method, path, uri, query,
//	                         headers, body, host, proto, tls, remote_addr
//	ANY  /status/{code}      answers code (100-599; 400 otherwise)
//	ANY  /redirect/{n}       302 to /redirect/{n-1}; /redirect/0 answers 200
//	ANY  /delay/{ms}         answers 200 after ms milliseconds (at most 60000)
//	GET  /chunked            text sent in ?chunks=N (default 5) flushed chunks,
//	                         chunked transfer encoding on HTTP/1.1
//	GET  /gzip               JSON with Content-Encoding: gzip
//	ANY  /auth/basic/...     Basic authentication (realm "testbed")
//	ANY  /auth/digest/...    Digest authentication, RFC 7616: SHA-256 and MD5
//	                         (and their -sess variants), qop=auth
//	PUT  /upload/{name}      stores the body in the data directory: 201 when
//	                         created, 204 when it replaced a file
//	GET  /upload/{name}      returns it (Range, HEAD); 404 when missing
//	DELETE /upload/{name}    removes it: 204, or 404 when missing
//
// Upload names are 1 to 255 characters from A-Z a-z 0-9 . _ - , never start
// with a dot and never contain "..".
//
// # The byte pattern
//
// Byte i (counting from 0) of /bytes/{n} and of /files/large-1m.bin is
// i % 251. 251 is prime, so the pattern never lines up with power-of-two block
// or buffer sizes, and a client that loses, repeats or reorders a range gets
// bytes that no longer match. [Pattern] fills a buffer with it.
//
// # Files
//
// /files/ holds hello.txt, index.html, utf8.txt (multi-byte UTF-8), empty.txt
// (0 bytes), large-1m.bin (1 MiB of the pattern), dir/nested.txt and
// dir/sub/deep.txt. Their modification time is 2024-01-01T00:00:00Z and their ETag
// is derived from their content, so conditional requests behave the same on
// every run.
package httpd
