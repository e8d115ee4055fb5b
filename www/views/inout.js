// The inout view. NOTE: placeholder until its helper's branch lands; it draws nothing yet.
