"""The playground's views of a 2-D network: decision surfaces, neurons and points."""
