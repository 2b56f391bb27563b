"""The session server's routes, one router per area: pages, trainees and the facilitator."""
