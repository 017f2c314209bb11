module stellascript/agent

go 1.19
