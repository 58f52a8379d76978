"""Asynchronous video analysis jobs (Rekognition Video) with per-account concurrency quotas."""
