package bus

// Header names Tuijin sets on messages.
const (
	HeaderEventType  = "Tuijin-Event-Type"
	HeaderDLQReason  = "Tuijin-Dlq-Reason"
	HeaderDLQSubject = "Tuijin-Dlq-Subject"
	HeaderDLQStream  = "Tuijin-Dlq-Stream-Seq"
	HeaderDLQError   = "Tuijin-Dlq-Error"
)
