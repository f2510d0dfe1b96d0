"""function_runtime"""
