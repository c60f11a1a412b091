"""Portfolio media: image checks (`images`) and uploads to S3-compatible stores (`s3`)."""
