def posted(request):
    """The submitted data on a POST (even an empty one, so that it is validated), None on a GET."""
    return request.POST if request.method == "POST" else None
