package catalog

// builtinKinds lists every kind; each lives in its own file.
func builtinKinds() []*Kind {
	return []*Kind{
		httpKind(),
		echoKind(),
		proxyKind(),
		socksKind(),
		ftpKind(),
		imapKind(),
		mqttKind(),
		mailKind(),
		coapKind(),
		faultsKind(),
		dnsKind(),
		websocketKind(),
		sftpKind(),
	}
}
