# Production-like image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY hall hall
COPY tenants tenants
COPY catalog catalog
COPY orders orders
COPY realname realname
RUN pip install --no-cache-dir .
COPY . .
RUN HALL_ENV=production HALL_SECRET_KEY=build HALL_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
RUN useradd --system hall && mkdir -p /data/media && chown hall /data/media
USER hall
EXPOSE 8000
