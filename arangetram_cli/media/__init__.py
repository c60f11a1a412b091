"""Portfolio media: image checks (`images`) and uploads to S3-compatible stores (`s3`).
May import core and config; boto3 only inside s3, and only when an upload runs."""
