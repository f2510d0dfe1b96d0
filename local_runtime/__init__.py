"""What runs a stack on this machine: the embedded emulators (and the Lambda executor we give LocalStack),
the stale-read proxy between the function and DynamoDB, and the inner-loop tools around them.

``bootstrap`` creates and deletes the stack's resources on whatever target it is given; this package
provides the local targets and everything a developer runs beside them.
"""
