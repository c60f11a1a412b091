"""Portfolio media: image checks (`images`), S3 settings and object URLs (`s3_config`), uploads
to S3-compatible stores with local credentials (`s3`: the Uploader port, boto3) or through
URLs a server presigned (`presigned`, httpx). May import core and config; boto3 only inside s3
and httpx only inside presigned, each only when an upload runs."""
