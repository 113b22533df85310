"""Newsroom pages: each module here that defines `router = APIRouter()` is mounted."""
