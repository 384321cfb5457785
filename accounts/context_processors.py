from accounts import access


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_can_change_reviews": access.can_change_reviews(user)}
