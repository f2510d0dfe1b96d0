"""LocalStack plugins: Lambda without Docker (each execution environment is a local Python process), and an
extension enforcing what AWS enforces and open-source LocalStack does not (role policies, usage plans)."""
