module ziriz.test/differential

go 1.22
