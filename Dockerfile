# Production-like image for web, worker and beat (see docker-compose.yml).
# Browser libraries (ECharts for the staff dashboard) come from npm, pinned by package-lock.json,
# in a build stage: the image serves them itself, no CDN and no Node at run time. --omit=dev: the
# devDependencies (newman, for the TM Forum conformance kits in the tests) never reach the image.
FROM node:20-slim AS browser-libs
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

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
# (the same place hallctl copies it to: static/vendor/ is ignored by git and by .dockerignore)
COPY --from=browser-libs /build/node_modules/echarts/dist/echarts.min.js static/vendor/echarts/echarts.min.js
RUN HALL_ENV=production HALL_SECRET_KEY=build HALL_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
RUN useradd --system hall && mkdir -p /data/media && chown hall /data/media
USER hall
EXPOSE 8000
