"""ministack"""
