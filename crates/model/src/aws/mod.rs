//! Import of the JSON that the AWS CLI prints (`aws ec2 describe-*`).
