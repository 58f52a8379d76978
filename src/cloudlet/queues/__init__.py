"""SQS: the queue engine (semantics) and its AWS front end."""
