"""The DynamoDBManager Lambda function (deployed as ``handler.app.lambda_handler``)."""
