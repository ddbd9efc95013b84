"""The companies app: the directory, company pages and the jobs that keep them fresh."""
